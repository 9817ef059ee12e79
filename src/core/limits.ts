/** Field limits shared by the API (authoritative) and the CLI (early, friendlier checks). */
export const LIMITS = {
  nameChars: 255,
  descriptionChars: 255,
  metadataChars: 4096,
  secretValueBytes: 8192,
  pageSizeMax: 100,
  pageSizeDefault: 100,
  keysPerProviderPerAccessKey: 15,
  providerIdChars: 255,
  baseUrlChars: 2048,
  modelIdChars: 255,
  modelsPerProvider: 1000,
  allowEntries: 1000,
  routerRules: 100,
  stepsPerRule: 20,
  keysPerStep: 50,
} as const;
