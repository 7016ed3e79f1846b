// heads.ts — the shared task heads (losses, pooling, classifiers, task models); see heads/.
export * from './heads/index.js';
