import { writeFileSync } from 'node:fs';
import { reportJsonSchema } from '../electron/core/report/report.ts';

/** `npm run schema` (built to dist/tools/): writes docs/runbook-report.schema.json from the schema the code checks the report with. */
writeFileSync(
  new URL('../../docs/runbook-report.schema.json', import.meta.url),
  `${JSON.stringify(reportJsonSchema(), null, 2)}\n`,
);
process.stdout.write('docs/runbook-report.schema.json written.\n');
