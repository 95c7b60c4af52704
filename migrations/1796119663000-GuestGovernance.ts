import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Guest access governance (SPEC §11): access levels and expiry on
 * `guest_access`, a default expiry per organization, and the append-only
 * audit log.
 */
export class GuestGovernance1796119663000 implements MigrationInterface {
  name = 'GuestGovernance1796119663000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE guest_access
        ADD COLUMN level text NOT NULL DEFAULT 'COMMENT' CHECK (level IN ('COMMENT', 'READ')),
        ADD COLUMN expires_at timestamptz`);
    // Finding the expired accesses of an organization (the audit log settles them before it is read).
    await q.query(`CREATE INDEX guest_access_expiry ON guest_access (organization_id, expires_at) WHERE expires_at IS NOT NULL`);
    // The one definition of "live": every read of access goes through it. An expired row may linger until
    // someone notices it (and writes its GUEST_ACCESS_EXPIRED event); it counts for nothing meanwhile.
    await q.query(`
      CREATE VIEW live_guest_access AS
        SELECT conversation_id, guest_id, organization_id, granted_by_id, granted_at, seq, level, expires_at
          FROM guest_access
         WHERE expires_at IS NULL OR expires_at > now()`);
    await q.query(`ALTER TABLE organizations ADD COLUMN default_access_days int CHECK (default_access_days BETWEEN 1 AND 365)`);

    // No foreign keys: an event outlives what it names, and a cascade would be a DELETE or UPDATE the log refuses.
    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN (
          'GUEST_INVITED', 'GUEST_JOINED', 'GUEST_ADDED', 'GUEST_ACCESS_CHANGED', 'GUEST_REMOVED', 'GUEST_LEFT',
          'GUEST_ACCESS_EXPIRED', 'GUEST_REVOKED', 'GUEST_SETTINGS_CHANGED', 'CONVERSATION_GUESTS_CHANGED',
          'MEMBER_INVITED', 'MEMBER_JOINED', 'LOGIN_SUCCEEDED', 'LOGIN_FAILED', 'ATTACHMENT_DOWNLOADED')),
        actor_id uuid,
        subject_id uuid,
        conversation_id uuid,
        attachment_id uuid,
        ip text,
        user_agent text,
        details jsonb,
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One B-tree per filter, each ending in the newest-first order, so the first page of any one filter is an
    // index range read stopped by LIMIT, whatever the size of the log.
    await q.query(`CREATE INDEX audit_events_recent ON audit_events (organization_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_action ON audit_events (organization_id, action, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_actor ON audit_events (organization_id, actor_id, occurred_at DESC, id DESC) WHERE actor_id IS NOT NULL`);
    await q.query(`CREATE INDEX audit_events_subject ON audit_events (organization_id, subject_id, occurred_at DESC, id DESC) WHERE subject_id IS NOT NULL`);
    await q.query(
      `CREATE INDEX audit_events_conversation ON audit_events (organization_id, conversation_id, occurred_at DESC, id DESC) WHERE conversation_id IS NOT NULL`,
    );
    // An access expires once: whichever instance notices first writes the event, the others' inserts do nothing.
    await q.query(
      `CREATE UNIQUE INDEX audit_events_expiry_once ON audit_events (subject_id, conversation_id, occurred_at) WHERE action = 'GUEST_ACCESS_EXPIRED'`,
    );

    // Append-only for real: PostgreSQL itself refuses UPDATE, DELETE and TRUNCATE, whoever sends them.
    await q.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Events are never changed or deleted; see the README (audit log, retention) for archiving.';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
    // ALWAYS: it fires under session_replication_role = replica too, so only disabling it (ALTER TABLE) gets past.
    await q.query(`ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_append_only`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_refuse_change()`);
    await q.query(`ALTER TABLE organizations DROP COLUMN default_access_days`);
    await q.query(`DROP VIEW live_guest_access`);
    await q.query(`DROP INDEX guest_access_expiry`);
    await q.query(`ALTER TABLE guest_access DROP COLUMN expires_at, DROP COLUMN level`);
  }
}
