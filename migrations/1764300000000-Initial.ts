import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole first schema. Every row carries its organization_id so that every
 * lookup can be scoped to the viewer's organization in one predicate.
 */
export class Initial1764300000000 implements MigrationInterface {
  name = 'Initial1764300000000';

  // gen_random_uuid() is built into PostgreSQL 13+ and PGlite: no extension needed.
  async up(q: QueryRunner): Promise<void> {

    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        guests_enabled boolean NOT NULL DEFAULT true,
        who_can_invite text NOT NULL DEFAULT 'MEMBERS' CHECK (who_can_invite IN ('ADMINS', 'MEMBERS')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Members and guests are both actors: they author, mention and participate alike.
    await q.query(`
      CREATE TABLE actors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('MEMBER', 'GUEST')),
        role text CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('INVITED', 'ACTIVE', 'REVOKED')),
        email text NOT NULL,
        name text NOT NULL,
        password_hash text,
        invited_by_id uuid REFERENCES actors(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL,
        CHECK ((kind = 'MEMBER') = (role IS NOT NULL))
      )`);
    // One login identity per member email; a guest email is unique within its organization.
    await q.query(`CREATE UNIQUE INDEX actors_member_email ON actors (lower(email)) WHERE kind = 'MEMBER'`);
    await q.query(`CREATE UNIQUE INDEX actors_guest_email ON actors (organization_id, lower(email)) WHERE kind = 'GUEST'`);
    await q.query(`CREATE INDEX actors_email ON actors (lower(email))`);
    await q.query(`CREATE INDEX actors_organization ON actors (organization_id, kind, seq)`);

    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        actor_id uuid NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX sessions_actor ON sessions (actor_id)`);

    await q.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('MEMBER', 'GUEST')),
        email text NOT NULL,
        role text CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
        guest_id uuid REFERENCES actors(id) ON DELETE CASCADE,
        invited_by_id uuid REFERENCES actors(id) ON DELETE SET NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX invitations_guest ON invitations (guest_id)`);

    await q.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL
      )`);
    await q.query(`CREATE INDEX teams_organization ON teams (organization_id, seq)`);
    await q.query(`
      CREATE TABLE team_members (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        actor_id uuid NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
        seq bigserial NOT NULL,
        PRIMARY KEY (team_id, actor_id)
      )`);

    await q.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('THREAD', 'CHAT_ROOM')),
        subject text,
        closed boolean NOT NULL DEFAULT false,
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        labels text[] NOT NULL DEFAULT '{}',
        allow_guests boolean NOT NULL DEFAULT true,
        created_by_id uuid REFERENCES actors(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL
      )`);
    await q.query(`CREATE INDEX conversations_organization ON conversations (organization_id, seq)`);

    await q.query(`
      CREATE TABLE conversation_assignees (
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        actor_id uuid NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
        seq bigserial NOT NULL,
        PRIMARY KEY (conversation_id, actor_id)
      )`);

    // One arrival order shared by participants and guests, so "in order of arrival" merges both.
    await q.query(`CREATE SEQUENCE arrival_seq`);

    // Members who took part (created, assigned, commented, replied, were mentioned), in order of arrival.
    await q.query(`
      CREATE TABLE conversation_participants (
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        actor_id uuid NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
        seq bigint NOT NULL DEFAULT nextval('arrival_seq'),
        PRIMARY KEY (conversation_id, actor_id)
      )`);

    // A guest's current access to a conversation; removing access deletes the row.
    await q.query(`
      CREATE TABLE guest_access (
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        guest_id uuid NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        granted_by_id uuid REFERENCES actors(id) ON DELETE SET NULL,
        granted_at timestamptz NOT NULL DEFAULT now(),
        seq bigint NOT NULL DEFAULT nextval('arrival_seq'),
        PRIMARY KEY (conversation_id, guest_id)
      )`);
    await q.query(`CREATE INDEX guest_access_guest ON guest_access (guest_id)`);

    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'WHATSAPP', 'CUSTOM')),
        direction text NOT NULL CHECK (direction IN ('INBOUND', 'OUTBOUND')),
        "from" text NOT NULL,
        "to" text[] NOT NULL DEFAULT '{}',
        cc text[] NOT NULL DEFAULT '{}',
        bcc text[] NOT NULL DEFAULT '{}',
        subject text,
        body text NOT NULL,
        author_id uuid REFERENCES actors(id) ON DELETE SET NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL
      )`);
    await q.query(`CREATE INDEX messages_conversation ON messages (conversation_id, seq)`);

    await q.query(`
      CREATE TABLE comments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        author_id uuid NOT NULL REFERENCES actors(id),
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL
      )`);
    await q.query(`CREATE INDEX comments_conversation ON comments (conversation_id, seq)`);
    await q.query(`
      CREATE TABLE comment_mentions (
        comment_id uuid NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
        actor_id uuid NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
        position int NOT NULL,
        PRIMARY KEY (comment_id, actor_id)
      )`);

    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        title text NOT NULL,
        done boolean NOT NULL DEFAULT false,
        assignee_id uuid REFERENCES actors(id) ON DELETE SET NULL,
        due_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL
      )`);
    await q.query(`CREATE INDEX tasks_conversation ON tasks (conversation_id, seq)`);

    await q.query(`
      CREATE TABLE attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        uploader_id uuid NOT NULL REFERENCES actors(id),
        filename text NOT NULL,
        content_type text NOT NULL,
        size bigint NOT NULL,
        sha256 text NOT NULL,
        conversation_id uuid REFERENCES conversations(id) ON DELETE CASCADE,
        message_id uuid REFERENCES messages(id) ON DELETE CASCADE,
        comment_id uuid REFERENCES comments(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        seq bigserial NOT NULL,
        CHECK (message_id IS NULL OR comment_id IS NULL)
      )`);
    await q.query(`CREATE INDEX attachments_message ON attachments (message_id) WHERE message_id IS NOT NULL`);
    await q.query(`CREATE INDEX attachments_comment ON attachments (comment_id) WHERE comment_id IS NOT NULL`);
    await q.query(`CREATE INDEX attachments_unused ON attachments (created_at) WHERE message_id IS NULL AND comment_id IS NULL`);
    // The bytes, in chunks, so every instance sharing DATABASE_URL can serve every file.
    await q.query(`
      CREATE TABLE attachment_chunks (
        attachment_id uuid NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
        n int NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (attachment_id, n)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'attachment_chunks',
      'attachments',
      'tasks',
      'comment_mentions',
      'comments',
      'messages',
      'guest_access',
      'conversation_participants',
      'conversation_assignees',
      'conversations',
      'team_members',
      'teams',
      'invitations',
      'sessions',
      'actors',
      'organizations',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP SEQUENCE IF EXISTS arrival_seq`);
  }
}
