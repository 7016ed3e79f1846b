// push.ts — tokenizer.pushToHub (transformers' PushToHubMixin.push_to_hub on tokenizers): the
// savePretrained files written to a temp folder and uploaded in one commit.  Installed on the
// class here (declaration merging, as generation's model.generate) so tokenizer.ts stays as it is;
// auto.ts imports this module.
import { pushFolderToHub, type CommitInfo, type UploadOptions } from '../hub/index.js';
import { PreTrainedTokenizerFast } from './tokenizer.js';

declare module './tokenizer.js' {
  interface PreTrainedTokenizerFast {
    /**
     * Uploads the tokenizer's files (savePretrained) to a Hub repo in one commit, creating the repo
     * when missing.  Options: commitMessage (default 'Upload tokenizer'), token, revision, private...
     * @example await tok.pushToHub('me/my-tokenizer');
     */
    pushToHub(repoId: string, opts?: UploadOptions): Promise<CommitInfo>;
  }
}

PreTrainedTokenizerFast.prototype.pushToHub = function pushToHub(this: PreTrainedTokenizerFast, repoId: string, opts: UploadOptions = {}): Promise<CommitInfo> {
  return pushFolderToHub(repoId, (dir) => this.savePretrained(dir), { commitMessage: 'Upload tokenizer', ...opts });
};
