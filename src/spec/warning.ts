/**
 * A parameter the gateway could not honour exactly. Warnings are logged and
 * exposed to the client (header `x-meridian-warnings`), never silently swallowed.
 */
export type Warning =
  | { readonly type: 'unsupported-setting'; readonly setting: string; readonly details?: string }
  | { readonly type: 'clamped-setting'; readonly setting: string; readonly from: number; readonly to: number }
  | { readonly type: 'other'; readonly message: string };
