// safetensors — HF's tensor file format (https://huggingface.co/docs/safetensors): read, write,
// lazy/selective reads and sharded checkpoints.  Exposed as `torch.safetensors`.
//   const sd = await torch.safetensors.loadFile('model.safetensors');
//   await torch.safetensors.saveFile(sd, 'copy.safetensors', { format: 'pt' });
export { SafetensorsError, MAX_HEADER_SIZE, type Header, type TensorInfo } from './format.js';
export { load, loadFile, readHeader, readMetadata, safeOpen, SafeOpenFile, type LoadOptions, type FileLoadOptions } from './read.js';
export { save, saveFile, type TensorDict } from './write.js';
export { saveSharded, loadSharded, loadCheckpoint, readIndex, parseSize, type ShardIndex, type SaveShardedOptions } from './sharded.js';
