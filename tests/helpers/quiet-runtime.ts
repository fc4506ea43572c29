// Each test process logs Temporal's runtime at WARN, so test output shows failures, not worker chatter.
import { installRuntime } from '../../workers/worker.ts';

installRuntime('WARN');
