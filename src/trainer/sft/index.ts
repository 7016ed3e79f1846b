// tunekit/trainer/sft — supervised fine-tuning the TRL way (trl 1.13): SFTConfig, SFTTrainer,
// TRL's collator, packing and chat-template cloning.
export { SFTConfig, SFT_FIELDS, type SFTConfigInit, type TruncationMode, type PackingStrategy, type SftLossType } from './config.js';
export { SFTTrainer, type SFTTrainerOptions } from './trainer.js';
export { DataCollatorForLanguageModeling, lmCollator, positionIdsFromSeqLengths, type LmCollatorOptions } from './collator.js';
export { packDataset, PACK_BATCH_SIZE, type PackedRow, type TokenRow } from './pack.js';
export { prepareSftRows, readRows, type PreparedRow, type PrepareOptions } from './prepare.js';
export { isConversational, isConversationalFromValue, convertToChatml, rowFormat, checkMessages, KNOWN_ROLES, type SftFormat, type SftRow } from './formats.js';
export { cloneChatTemplate } from './clone-chat-template.js';
export { dftLoss } from './dft.js';
