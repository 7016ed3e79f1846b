// serialization — reading what PyTorch and Python write, besides safetensors (../safetensors):
// torch.save zip archives through a restricted unpickler (torch.load(weights_only=True)), and
// JSON as Python's json module writes it.  Re-exported from torch's index.
export { loadTorchCheckpoint, MAX_DIMS, MAX_ALIAS_COPIES, type TorchLoadOptions } from './torch-pickle.js';
export { unpickle, markerOf, UnpicklingError, type AllowedGlobal, type UnpickleOptions } from './pickle.js';
export { ZipReader, ZipError, MAX_DEFLATE_RATIO, MAX_EXPANSION, type ZipEntry } from './zip.js';
export { pyDumps, parsePyJson, markFloat, isFloatKey, pyFloat, pyString, JsonError, type PyDumpsOptions, type PyJsonParseOptions } from './pyjson.js';
