// tunekit — fine-tuning of transformer models in TypeScript on libtorch.
// Layers (each importing only those before it): torch, nn, optim, tokenizers, data, models,
// peft, generation, metrics, trainer, pipelines, cli.
export * as torch from './torch/index.js';
