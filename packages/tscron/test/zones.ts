/** The zones with unusual rules that the time-engine tests run in (30-minute DST, +05:45, +12:45, midnight DST). */
export const TEST_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Santiago',
] as const;
