/** Message sizes of the large-message bandwidth table (bench/cases/bandwidth.ts, bench/c/pingpong.c), shared with the runner. */
export const BANDWIDTH_SIZES = [65536, 262144, 1048576, 4194304, 16777216, 67108864];
