import { expect, it } from 'vitest';
import { DEMO_API_TOKEN } from '../../sim/demo/context.js';
import { scene } from '../../sim/demo/scenes/10-api.js';
import { playScene } from '../helpers/demo.js';

it('demo scene 10: a tool declares, raises the severity, notes and resolves over the API; Slack shows it', async () => {
  const out = await playScene(scene, { API_TOKEN: DEMO_API_TOKEN });
  expect(out).toContain('without a token → 401');
  expect(out).toContain('→ 201 INC-1 (investigating, declared_by API, channel_id null');
  expect(out).toContain('→ channel inc-1-deploy-4411-broke-image-uploads');
  expect(out).toContain('changed=true');
  expect(out).toContain('author API, via api');
  expect(out).toMatch(/\{"status":"fixed"\} → 400 bad body: status:/);
  expect(out).toContain('API changed the severity: SEV3 → *SEV2*');
  expect(out).toMatch(/note\s+API\s+Rollback of 4411 started/);
  expect(out).toContain('"gremlins" → 422 [{"path":"root_cause.category"');
  expect(out).toContain('→ 200 resolved, root cause deploy/change');
  expect(out).toContain('resolve again → 409 INC-1 is already resolved');
  expect(out).toContain('INC-1 resolved');
  expect(out).toContain('Resolved by API');
  expect(out).toMatch(/resolved\s+API\s+Rolled back 4411/);
});
