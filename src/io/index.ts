/** Files: .npy arrays, atomic writes (temporary file + rename) and new files that never replace an existing one. */
export { readNpy, writeNpy, parseNpy, encodeNpy, npyDtypeOf, npyToFloat32, type NpyArray, type NpyData, type NpyDtype } from './npy';
export { describeWriteError, writeFileAtomic, type AtomicWriteData } from './atomicWrite';
export { candidateName, outputStem, writeNewFile } from './uniqueFile';
export { sha256File } from './sha256';
