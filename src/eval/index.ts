// selfrefine/eval (docs/world.md, "Library"): track the balls of a physics video, score each clip against its true
// states and the laws of the world, and report means with bootstrap intervals beside the true-clip floor.
export { Tracker, trackVideo, clipView, DEFAULT_TRACK_PALETTE, type Track, type TrackPalette, type VideoView } from './track.js';
export { clipMetrics, metricsFromTrack, type ClipEvaluation, type ClipMetrics, type ViolationReason } from './clip.js';
export { evaluateBatch, evaluateVideos, evaluateDataset, type EvaluateOptions, type EvalResult } from './evaluate.js';
export { setMetrics, type SetMetrics } from './metrics/set.js';
export { buildReport, formatReport, REPORTED_METRICS, type EvalReport, type MetricRow, type ReportOptions } from './report.js';
export { comparePaired, formatComparison, type PairedComparison, type PairedRow } from './compare.js';
export { bootstrapMean, type Interval } from './stats.js';
export { formatInterval, formatNumber, type IntervalFormat } from './format.js';
export { LAW_RESIDUAL_FLOOR_PX, LAW_RESIDUAL_LIMIT_PX, TRAJECTORY_FLOOR_PX } from './floor.js';
