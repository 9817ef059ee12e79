import type { LimitCountsExchange, RemoteLimitCounts, ReplicaLimitCounts } from '../types.js';
import type { Db } from './connection.js';

/** A replica silent for this long is gone (stopped, killed, cut off): its rows are deleted by whoever exchanges next. */
const EXPIRE_SECONDS = 60;

/**
 * One statement, so one round trip and no lock of the Store's writes: upserts this replica's rows, deletes
 * the ones it no longer publishes and other replicas' expired ones, and reads the other live replicas' rows
 * (the SELECT sees the table as it was before the statement, which holds only other replicas' rows it asks
 * for anyway). The database's clock judges liveness, so replicas' clocks need not agree on it.
 */
const EXCHANGE_SQL = `
  WITH mine AS (
    INSERT INTO replica_limit_counts (replica_id, scope_id, counts, updated_at)
    SELECT $1, c->>'scopeId', c, now() FROM jsonb_array_elements($2::jsonb) AS c
    ON CONFLICT (replica_id, scope_id) DO UPDATE SET counts = EXCLUDED.counts, updated_at = EXCLUDED.updated_at
  ), gone AS (
    DELETE FROM replica_limit_counts
    WHERE (replica_id = $1 AND scope_id <> ALL($3::text[]))
       OR (replica_id <> $1 AND updated_at < now() - make_interval(secs => ${EXPIRE_SECONDS}))
  )
  SELECT replica_id, counts FROM replica_limit_counts
  WHERE replica_id <> $1 AND updated_at > now() - make_interval(secs => $4::double precision / 1000)`;

export async function exchangeLimitCounts(db: Db, exchange: LimitCountsExchange): Promise<RemoteLimitCounts[]> {
  const scopeIds = exchange.counts.map((c) => c.scopeId);
  const rows = await db.rows<{ replica_id: string; counts: ReplicaLimitCounts }>(EXCHANGE_SQL, [
    exchange.replicaId,
    JSON.stringify(exchange.counts),
    scopeIds,
    exchange.liveMs,
  ]);
  return rows.map((r) => ({ ...r.counts, replicaId: r.replica_id }));
}
