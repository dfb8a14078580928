/** Message sizes of the ping-pong table (bench/cases/pingpong.ts, bench/c/pingpong.c's defaults, the anchors' ping-pongs), shared with the runner. */
export const PINGPONG_SIZES = [8, 64, 512, 4096, 32768, 262144, 1048576, 4194304];
/** Message sizes of the large-message bandwidth table (bench/cases/bandwidth.ts, bench/c/pingpong.c), shared with the runner. */
export const BANDWIDTH_SIZES = [65536, 262144, 1048576, 4194304, 16777216, 67108864];
