// The history's provenance graph as W3C PROV-JSON (the PROV-JSON submission's layout: `prefix`, then one object per
// record kind keyed by identifier), so that provenance tools can read what Perf Lab measured and from what.
// Activities (runs and their steps), entities (profiles, recordings, candidates, proofs, measurements, and each
// version of the code, which the activities `used` as their source), agents (the command line or the editor, and the
// machine), with `used`, `wasGeneratedBy`, `wasDerivedFrom`, `wasAssociatedWith` and `wasInformedBy` (a run informed by
// its steps).
import type { Db } from './database';
import { PYTHON_PACKAGES } from './toolchain';

export const PERF_LAB_NS = 'urn:x-perf-lab:';

type Attrs = Record<string, unknown>;

export interface ProvDocument {
  prefix: Record<string, string>;
  entity: Record<string, Attrs>;
  activity: Record<string, Attrs>;
  agent: Record<string, Attrs>;
  used: Record<string, Attrs>;
  wasGeneratedBy: Record<string, Attrs>;
  wasDerivedFrom: Record<string, Attrs>;
  wasAssociatedWith: Record<string, Attrs>;
  wasInformedBy: Record<string, Attrs>;
}

const str = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

/** `{ k: v }` without the undefined values, the keys prefixed `perflab:`. */
function attrs(o: Record<string, unknown>): Attrs {
  const out: Attrs = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k.includes(':') ? k : `perflab:${k}`] = v;
  return out;
}

/** Parsed JSON, flattened one level into attributes (nested values stay JSON text, which PROV-JSON allows as strings). */
function dataAttrs(text: unknown): Attrs {
  if (typeof text !== 'string') return {};
  const out: Attrs = {};
  for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>)) {
    if (k === 'samples') continue;
    out[`perflab:${k}`] = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return out;
}

/** The store's graph, or only the records of the code under `key` (and what they link to). */
export function provDocument(db: Db, key?: string): ProvDocument {
  const doc: ProvDocument = {
    prefix: { perflab: PERF_LAB_NS, prov: 'http://www.w3.org/ns/prov#', xsd: 'http://www.w3.org/2001/XMLSchema#' },
    entity: {},
    activity: {},
    agent: {},
    used: {},
    wasGeneratedBy: {},
    wasDerivedFrom: {},
    wasAssociatedWith: {},
    wasInformedBy: {},
  };
  const filter = key === undefined ? '' : 'WHERE c.key = ?';
  const args = key === undefined ? [] : [key];
  const codeId = (id: unknown) => `perflab:code/${String(id)}`;
  const activityId = (id: unknown) => `perflab:activity/${String(id)}`;
  const entityId = (id: unknown) => `perflab:entity/${String(id)}`;

  for (const c of db.all(`SELECT * FROM code c ${filter}`, args)) {
    doc.entity[codeId(c.id)] = attrs({
      'prov:type': 'perflab:source',
      'prov:label': `${String(c.function) || 'the file'} in ${String(c.file)}`,
      file: c.file,
      key: c.key,
      function: str(c.function) || undefined,
      fileHash: c.file_hash,
      functionHash: c.function_hash,
      gitCommit: c.git_commit,
      gitDirty: c.git_dirty === null ? undefined : c.git_dirty === 1,
      fileDirty: c.file_dirty === null ? undefined : c.file_dirty === 1,
    });
  }
  const activities = db.all(`SELECT a.* FROM activities a LEFT JOIN code c ON c.id = a.code ${filter}`, args);
  const agents = new Set<string>();
  const machines = new Set<string>();
  for (const a of activities) {
    const id = activityId(a.id);
    doc.activity[id] = attrs({
      'prov:type': `perflab:${String(a.kind)}`,
      'prov:startTime': a.started,
      'prov:endTime': a.ended,
      load: a.load,
      runtime: a.runtime,
      ...Object.fromEntries(PYTHON_PACKAGES.map((p) => [p.field, a[p.field]])),
      settings: a.settings,
      status: a.status,
    });
    const agent = `perflab:agent/${String(a.agent).replace(/[^\w.-]+/g, '-')}`;
    if (!agents.has(agent)) {
      agents.add(agent);
      doc.agent[agent] = { 'prov:type': 'prov:SoftwareAgent', 'prov:label': String(a.agent) };
    }
    doc.wasAssociatedWith[`_:assoc${String(a.id)}`] = { 'prov:activity': id, 'prov:agent': agent };
    if (a.machine) {
      const machine = `perflab:machine/${String(a.machine)}`;
      machines.add(String(a.machine));
      doc.wasAssociatedWith[`_:host${String(a.id)}`] = { 'prov:activity': id, 'prov:agent': machine, 'prov:role': 'perflab:machine' };
    }
    if (a.code) doc.used[`_:source${String(a.id)}`] = { 'prov:activity': id, 'prov:entity': codeId(a.code), 'prov:role': 'perflab:source' };
    if (a.parent !== null) doc.wasInformedBy[`_:step${String(a.id)}`] = { 'prov:informed': activityId(a.parent), 'prov:informant': id };
  }
  for (const m of db.all('SELECT * FROM machines')) {
    if (!machines.has(String(m.id))) continue;
    doc.agent[`perflab:machine/${String(m.id)}`] = attrs({
      'prov:type': 'perflab:machine',
      'prov:label': `${String(m.host)} (${String(m.cpu)}, ${Number(m.cores)} cores)`,
      host: m.host,
      cpu: m.cpu,
      cores: m.cores,
      os: m.os,
      arch: m.arch,
      memory: m.memory,
    });
  }
  const entities = db.all(
    `SELECT e.*, b.size AS blob_size FROM entities e LEFT JOIN code c ON c.id = e.code LEFT JOIN blobs b ON b.hash = e.blob ${filter}`,
    args,
  );
  const kept = new Set<string>();
  for (const e of entities) {
    const id = entityId(e.id);
    kept.add(String(e.id));
    doc.entity[id] = attrs({
      'prov:type': `perflab:${String(e.kind)}`,
      'prov:label': e.label,
      ...dataAttrs(e.data),
      blob: e.blob ? `sha256:${String(e.blob)}` : undefined,
      blobSize: e.blob_size,
    });
    if (e.generated_by !== null) doc.wasGeneratedBy[`_:gen${String(e.id)}`] = { 'prov:entity': id, 'prov:activity': activityId(e.generated_by) };
    if (e.code)
      doc.wasDerivedFrom[`_:src${String(e.id)}`] = { 'prov:generatedEntity': id, 'prov:usedEntity': codeId(e.code), 'prov:type': 'perflab:from-source' };
  }
  const activityIds = new Set(activities.map((a) => String(a.id)));
  for (const u of db.all('SELECT * FROM used')) {
    if (!activityIds.has(String(u.activity)) || !kept.has(String(u.entity))) continue;
    doc.used[`_:use${String(u.activity)}-${String(u.entity)}-${String(u.role).replace(/\W+/g, '-')}`] = {
      'prov:activity': activityId(u.activity),
      'prov:entity': entityId(u.entity),
      'prov:role': `perflab:${String(u.role).replace(/\s+/g, '-')}`,
    };
  }
  for (const d of db.all('SELECT * FROM derived')) {
    if (!kept.has(String(d.entity)) || !kept.has(String(d.source))) continue;
    doc.wasDerivedFrom[`_:der${String(d.entity)}-${String(d.source)}`] = {
      'prov:generatedEntity': entityId(d.entity),
      'prov:usedEntity': entityId(d.source),
      'prov:type': `perflab:${String(d.how).replace(/\s+/g, '-')}`,
    };
  }
  return doc;
}
