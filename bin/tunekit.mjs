#!/usr/bin/env node
// bin/tunekit.mjs — the `tunekit` executable.  The package ships TypeScript sources, so this
// launcher registers tsx's ESM loader in this process (tsx/esm/api, Node >= 20.6: no second
// process, signals and exit codes stay ours) and hands the arguments to src/cli/main.ts.
// An installed package therefore needs tsx at run time: it belongs in "dependencies".
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
// exit now: a finished command must not wait on idle handles (stdout / stderr are synchronous for files and pipes on POSIX)
process.exit(await main(process.argv.slice(2)));
