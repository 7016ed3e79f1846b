// errors.ts — TorchError: what every native failure becomes (op name + libtorch's first line).

/** An error raised by libtorch or by argument checking in the native addon. */
export class TorchError extends Error {
  /** The native op that failed, e.g. `matmul`. */
  readonly op: string;
  constructor(message: string, op = '') {
    super(message);
    this.name = 'TorchError';
    this.op = op;
  }
}
