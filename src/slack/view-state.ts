/**
 * Reading `view.state.values` without trusting its shape: each helper returns what the person
 * entered in one input block (keyed by block_id; our action_id equals the block_id).
 */
export type ViewStateValues = Record<string, Record<string, ViewStateValue | undefined> | undefined>;

export interface ViewStateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: { value?: string }[] | null;
  selected_user?: string | null;
  selected_date?: string | null;
  selected_time?: string | null;
  selected_date_time?: number | null;
}

function first(values: ViewStateValues, block: string): ViewStateValue | undefined {
  const b = values[block];
  if (!b) return undefined;
  return b[block] ?? Object.values(b)[0];
}

export const textValue = (v: ViewStateValues, block: string): string => first(v, block)?.value ?? '';
export const selectedValue = (v: ViewStateValues, block: string): string | undefined =>
  first(v, block)?.selected_option?.value ?? undefined;
export const selectedValues = (v: ViewStateValues, block: string): string[] =>
  (first(v, block)?.selected_options ?? []).flatMap((o) => (o.value ? [o.value] : []));
export const selectedUser = (v: ViewStateValues, block: string): string | null =>
  first(v, block)?.selected_user ?? null;

/** private_metadata as JSON, or {} if a client sent something else. */
export function readMetadata<T extends object>(raw: string | undefined): Partial<T> {
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' ? (v as Partial<T>) : {};
  } catch {
    return {};
  }
}
