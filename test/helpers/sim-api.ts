/** A Web API call to the simulator as web-api 8 sends it: form fields, JSON strings inside, bearer token. */
export type Obj = Record<string, unknown>;

export async function simApi(
  sim: { apiUrl: string; token: string },
  method: string,
  args: Obj = {},
): Promise<Obj> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const res = await fetch(`${sim.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return (await res.json()) as Obj;
}
