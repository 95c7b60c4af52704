import { Client } from 'pg';
import { TEST_DATABASE_URL } from './services';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.SIDEDOOR_TEST_TEMPLATE;
  if (!template) return;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  // Databases left by crashed runs of this template are dropped too.
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${template}%`]);
  for (const { datname } of rows.sort((a, b) => b.datname.length - a.datname.length)) {
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
  await admin.end();
}
