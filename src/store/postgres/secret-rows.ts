import type { Db } from './connection.js';

/** One sealed secret as the database secret store keeps it: ciphertext and wrapped key, never a value. */
export interface SealedSecretRow {
  ref: string;
  keyId: string;
  wrappedKey: Buffer;
  wrapIv: Buffer;
  wrapTag: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

interface Row {
  ref: string;
  key_id: string;
  wrapped_key: Buffer;
  wrap_iv: Buffer;
  wrap_tag: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

const UPSERT = `
  INSERT INTO sealed_secrets (ref, key_id, wrapped_key, wrap_iv, wrap_tag, iv, tag, ciphertext)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (ref) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key, wrap_iv = excluded.wrap_iv,
    wrap_tag = excluded.wrap_tag, iv = excluded.iv, tag = excluded.tag, ciphertext = excluded.ciphertext, written_at = now()`;

/**
 * The sealed_secrets table, for the database secret store (src/secrets/database.ts), which does the
 * sealing: the Store and the secrets never import each other, the daemon's composition hands this over.
 */
export class SealedSecretTable {
  constructor(private readonly db: Db) {}

  async put(row: SealedSecretRow): Promise<void> {
    await this.db.run(UPSERT, [row.ref, row.keyId, row.wrappedKey, row.wrapIv, row.wrapTag, row.iv, row.tag, row.ciphertext]);
  }

  async add(row: SealedSecretRow): Promise<void> {
    const sql = `
      INSERT INTO sealed_secrets (ref, key_id, wrapped_key, wrap_iv, wrap_tag, iv, tag, ciphertext)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ref) DO NOTHING`;
    await this.db.run(sql, [row.ref, row.keyId, row.wrappedKey, row.wrapIv, row.wrapTag, row.iv, row.tag, row.ciphertext]);
  }

  async get(ref: string): Promise<SealedSecretRow | undefined> {
    const row = await this.db.row<Row>('SELECT * FROM sealed_secrets WHERE ref = $1', [ref]);
    return (
      row && {
        ref: row.ref, keyId: row.key_id, wrappedKey: row.wrapped_key, wrapIv: row.wrap_iv, wrapTag: row.wrap_tag,
        iv: row.iv, tag: row.tag, ciphertext: row.ciphertext,
      }
    );
  }

  async delete(ref: string): Promise<void> {
    await this.db.run('DELETE FROM sealed_secrets WHERE ref = $1', [ref]);
  }

  /** Every ref a provider key points at, and the others once written at least this long ago (by the server's clock). */
  async refs(orphanAfterSeconds = 0): Promise<string[]> {
    const sql = `
      SELECT ref FROM sealed_secrets s
       WHERE written_at <= now() - make_interval(secs => $1) OR EXISTS (SELECT 1 FROM provider_keys p WHERE p.secret_ref = s.ref)
       ORDER BY ref`;
    return (await this.db.rows<{ ref: string }>(sql, [orphanAfterSeconds])).map((r) => r.ref);
  }

  async replace(row: SealedSecretRow, keyId: string): Promise<boolean> {
    const sql = `
      UPDATE sealed_secrets SET key_id = $2, wrapped_key = $3, wrap_iv = $4, wrap_tag = $5, iv = $6, tag = $7, ciphertext = $8
       WHERE ref = $1 AND key_id = $9`;
    const params = [row.ref, row.keyId, row.wrappedKey, row.wrapIv, row.wrapTag, row.iv, row.tag, row.ciphertext, keyId];
    return (await this.db.run(sql, params)) > 0;
  }

  /** The master key ids the stored secrets are wrapped under. */
  async keyIds(): Promise<string[]> {
    return (await this.db.rows<{ key_id: string }>('SELECT DISTINCT key_id FROM sealed_secrets ORDER BY key_id')).map((r) => r.key_id);
  }
}
