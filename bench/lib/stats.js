/** Small statistics for bench summaries: spread of repetitions, percentiles, least-squares slope. */
const { median } = require('./load');

/** Median with min and max, so a figure always travels with its noise. */
function spread(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** Nearest-rank percentile of unsorted samples. */
function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/**
 * Theil–Sen slope: the median of the slopes between every pair of points. A stall of a few
 * samples (another job taking the CPU) moves it little, where it drags a least-squares line.
 */
function robustSlope(points) {
  const slopes = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      if (points[j][0] !== points[i][0]) slopes.push((points[j][1] - points[i][1]) / (points[j][0] - points[i][0]));
    }
  }
  return slopes.length === 0 ? NaN : median(slopes);
}

module.exports = { spread, percentile, slope, robustSlope };
