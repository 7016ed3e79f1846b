// seq2seq — transformers' Seq2SeqTrainer and Seq2SeqTrainingArguments (trainer_seq2seq.py,
// training_args_seq2seq.py): the Trainer for encoder-decoder models, whose evaluate() / predict()
// can generate (predict_with_generate) for BLEU / ROUGE.
export { Seq2SeqTrainingArguments, SEQ2SEQ_FIELDS, type Seq2SeqTrainingArgumentsInit } from './args.js';
export { Seq2SeqTrainer, type GenKwargs, type Seq2SeqEvalOptions, type Seq2SeqTrainerOptions } from './trainer.js';
