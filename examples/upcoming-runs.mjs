// Prints the upcoming runs of a few jobs in two time zones, then exits.
// Run with `npm start` (it builds the core package first).
import { atTime, cronJob, dailyJob, durationJob, monthlyJob, nextRuns, Weekday, weeklyJob } from 'tscron';

const jobs = [
  { label: 'every 90 minutes', definition: durationJob('90m') },
  { label: 'weekdays at 09:00', definition: cronJob('0 9 * * MON-FRI') },
  { label: 'last Friday of the month, 18:30', definition: cronJob('30 18 * * 5L') },
  { label: 'every 15 s during the 02:00 hour', definition: cronJob('*/15 * 2 * * *', { withSeconds: true }) },
  { label: 'daily at 02:30 (meets the spring gap)', definition: dailyJob(1, [atTime(2, 30)]) },
  {
    label: 'every 2 weeks on Mon and Thu, 08:00',
    definition: weeklyJob(2, [Weekday.Monday, Weekday.Thursday], [atTime(8)]),
  },
  { label: 'first and last day of the month, 00:05', definition: monthlyJob(1, [1, -1], [atTime(0, 5)]) },
];

// Just before the 2027 spring change in New York, so the gap rules show.
const from = new Date('2027-03-13T12:00:00Z');

for (const timeZone of ['America/New_York', 'Asia/Kathmandu']) {
  console.log(`\nUpcoming runs in ${timeZone}, from ${from.toISOString()}`);
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'long',
  });
  for (const { label, definition } of jobs) {
    const runs = nextRuns(definition, 3, { from, timeZone }).map((run) => format.format(run));
    console.log(`  ${label.padEnd(42)} ${runs.join('  |  ')}`);
  }
}
