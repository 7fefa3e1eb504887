/**
 * Ground-truth floors: what true clips score through the same extractor (pixel quantisation and anti-aliasing
 * make them nonzero). Measured with `npm run bench:world -- --measure-floor` (default world 32×32×16,
 * 4096 true clips, seed 12345) and re-checked by test/eval/floor.test.ts on fresh clips.
 * A clip violates physics when its law residual exceeds VIOLATION_FACTOR × LAW_RESIDUAL_FLOOR_PX.
 */
export const LAW_RESIDUAL_FLOOR_PX = 0.0107;
export const TRAJECTORY_FLOOR_PX = 0.0106;
export const VIOLATION_FACTOR = 3;
export const LAW_RESIDUAL_LIMIT_PX = VIOLATION_FACTOR * LAW_RESIDUAL_FLOOR_PX;
