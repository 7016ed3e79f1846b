// tunekit — fine-tuning of transformer models in TypeScript on libtorch.
// Layers (each importing only those before it): torch, nn, optim, tokenizers, data, models,
// peft, generation, metrics, trainer, pipelines, cli.
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
