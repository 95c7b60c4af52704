import type { DataSource } from 'typeorm';

/** An inclusive byte range, already checked against the file's size. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Where the bytes of attachments live. The `attachments` row (name, type,
 * size, hash, who may see it) always lives in PostgreSQL; a storage only keeps
 * bytes under the attachment's id. Every instance of a deployment must see the
 * same storage, so a file uploaded through one instance downloads through any.
 *
 * The service calls `write` after inserting the attachment's row and `delete`
 * after deleting rows (a failed upload, or the sweep of unused uploads), so a
 * storage never holds bytes for long without a row; it may hold bytes briefly
 * after a crash, and `delete` of an unknown id must be a no-op.
 */
export interface AttachmentStorage {
  /** Stores every byte of `data` under `id`, consuming it with backpressure. Rejects (and may leave partial bytes for `delete`) if `data` throws. */
  write(id: string, data: AsyncIterable<Buffer>): Promise<void>;
  /** The bytes of `range` (within the size recorded in the row), a bounded piece at a time; throws if some are missing. */
  read(id: string, range: ByteRange): AsyncIterable<Buffer>;
  /** Forgets the bytes of these ids. */
  delete(ids: readonly string[]): Promise<void>;
}

/** 256 KiB: big enough that a 25 MiB file is 100 rows, small enough that a download holds one at a time. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/**
 * The default storage: the bytes in `attachment_chunks` rows of the shared
 * database, so every instance on one DATABASE_URL serves every file (PGlite
 * included), and a backup of the database is a backup of the files.
 *
 * Layout: chunk n holds bytes [n * C, (n + 1) * C) where C is the length of
 * chunk 0; only the last chunk may be shorter. C is read back from the data,
 * so files written with another chunk size stay readable.
 */
export class DatabaseAttachmentStorage implements AttachmentStorage {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  async write(id: string, data: AsyncIterable<Buffer>): Promise<void> {
    let n = 0;
    let chunk = Buffer.allocUnsafe(this.chunkBytes);
    let filled = 0;
    for await (const piece of data) {
      let offset = 0;
      while (offset < piece.length) {
        const copied = piece.copy(chunk, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === this.chunkBytes) {
          // One statement per chunk and no transaction around the upload: a slow
          // client must not hold a pooled connection (or PGlite's only one) open.
          await this.insert(id, n, chunk);
          n += 1;
          chunk = Buffer.allocUnsafe(this.chunkBytes);
          filled = 0;
        }
      }
    }
    if (filled > 0) await this.insert(id, n, chunk.subarray(0, filled));
  }

  async *read(id: string, range: ByteRange): AsyncIterable<Buffer> {
    let first = 0;
    let skip = 0;
    if (range.start > 0) {
      const size = await this.chunkSize(id);
      first = Math.floor(range.start / size);
      skip = range.start - first * size;
    }
    let remaining = range.end - range.start + 1;
    for (let n = first; remaining > 0; n += 1) {
      const rows: { data: Buffer }[] = await this.dataSource.query(
        `SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND n = $2`,
        [id, n],
      );
      const data = rows[0]?.data;
      // Bytes still owed but gone (deleted mid-download): fail, rather than send a short body.
      if (!data || data.length <= skip) throw new Error(`attachment ${id}: chunk ${n} is missing or short`);
      const piece = data.subarray(skip, skip + Math.min(remaining, data.length - skip));
      skip = 0;
      remaining -= piece.length;
      yield piece;
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    // Usually a no-op: deleting an attachment row cascades to its chunks.
    await this.dataSource.query(`DELETE FROM attachment_chunks WHERE attachment_id = ANY($1)`, [ids]);
  }

  private async insert(id: string, n: number, data: Buffer): Promise<void> {
    await this.dataSource.query(`INSERT INTO attachment_chunks (attachment_id, n, data) VALUES ($1, $2, $3)`, [id, n, data]);
  }

  private async chunkSize(id: string): Promise<number> {
    const rows: { size: number }[] = await this.dataSource.query(
      `SELECT octet_length(data) AS size FROM attachment_chunks WHERE attachment_id = $1 AND n = 0`,
      [id],
    );
    const size = Number(rows[0]?.size ?? 0);
    if (!size) throw new Error(`attachment ${id}: chunk 0 is missing`);
    return size;
  }
}
