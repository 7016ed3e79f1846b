// integrations/index.ts — the reporting integrations of `report_to` (transformers
// integrations/integration_utils.py INTEGRATION_TO_CALLBACK): a table of name -> callback factory.
// TrainingArguments accepts exactly these names ('all' means all of them: every one ships with
// tunekit, nothing to install); the Trainer adds one callback per name in args.report_to.
import type { TrainerCallback } from '../callbacks.js';
import { TensorBoardCallback } from './tensorboard.js';
import { DashboardCallback } from './dashboard.js';

export { TensorBoardCallback, defaultLogdir, rewriteLogs } from './tensorboard.js';
export { SummaryWriter } from './summary-writer.js';
export { DashboardCallback, DASHBOARD_EVENTS_FILE, type DashboardCallbackOptions, type DashboardSample } from './dashboard.js';
export { readEventFile, type TensorBoardEvent, type SummaryValue } from './event-file.js';

/** report_to name -> a new callback for one Trainer. */
export const REPORTING_INTEGRATIONS: Readonly<Record<string, () => TrainerCallback>> = {
  tensorboard: () => new TensorBoardCallback(),
  // the live dashboard's events file (`tunekit dashboard <runs dir>` follows it)
  dashboard: () => new DashboardCallback(),
};

/** HF get_available_reporting_integrations: what `report_to: 'all'` expands to. */
export function getAvailableReportingIntegrations(): string[] {
  return Object.keys(REPORTING_INTEGRATIONS);
}

/** HF get_reporting_integration_callbacks: one new callback per name (names checked by TrainingArguments). */
export function getReportingIntegrationCallbacks(reportTo: readonly string[]): TrainerCallback[] {
  return reportTo.map((name) => {
    const make = REPORTING_INTEGRATIONS[name];
    if (!make) throw new RangeError(`report_to: '${name}' is not supported, only ${getAvailableReportingIntegrations().map((n) => `'${n}'`).join(', ')} are supported.`);
    return make();
  });
}
