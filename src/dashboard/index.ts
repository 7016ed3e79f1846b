// The live training dashboard: `tunekit dashboard runs/` serves a page on 127.0.0.1 that follows
// the runs under a folder as their Trainers append to tunekit-events.jsonl (DashboardCallback,
// report_to: ['dashboard']).  Plain Node I/O: this layer imports only src/utils.
export { startDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { listRuns, type RunInfo } from './runs.js';
export { EVENTS_FILE, readEvents, readAllEvents, parseLines, type ReadEvent, type ReadResult, type RunEvent, type RunStartEvent, type LogEvent,
  type ProgressEvent, type SampleEvent, type TrainEndEvent } from './events.js';
export { renderPage } from './page.js';
