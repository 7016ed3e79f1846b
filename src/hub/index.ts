// tunekit/hub — the Hugging Face Hub, offline-first, in huggingface_hub's own cache layout:
// hfHubDownload / snapshotDownload, resolvePretrained (what fromPretrained calls for a Hub id),
// uploadFolder / createRepo / pushFolderToHub.  Imports no other layer.
export {
  DEFAULT_REVISION, REGEX_COMMIT_HASH, REPO_TYPES, getToken, hfHome, hubCacheDir, hubEndpoint, isOffline, isValidRepoId, repoFolderName,
  type RepoType,
} from './constants.js';
export { CACHED_NO_EXIST, storageFolder, tryLoadFromCache } from './cache.js';
export {
  EntryNotFoundError, HubAuthError, HubConnectionError, HubError, HubIntegrityError, HubServerError, LocalEntryNotFoundError,
  RepositoryNotFoundError, RevisionNotFoundError, type HubTarget,
} from './errors.js';
export { hfHubDownload, hfHubUrl, type HubDownloadOptions } from './download.js';
export { snapshotDownload, filterRepoFiles, type SnapshotDownloadOptions } from './snapshot.js';
export { type DownloadProgress, type ProgressCallback } from './progress.js';
export {
  resolvePretrained, splitHubOptions, HUB_OPTION_NAMES, CONFIG_FILES, MODEL_FILES, TOKENIZER_FILES, ADAPTER_FILES, GENERATION_CONFIG_FILES, WEIGHTS_NAMES,
  type HubOptions, type PretrainedFiles,
} from './pretrained.js';
export { createRepo, uploadFolder, pushFolderToHub, type UploadOptions, type CommitInfo } from './upload.js';
