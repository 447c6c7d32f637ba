export { registerQueryMetrics } from './register-query-metrics.js'
