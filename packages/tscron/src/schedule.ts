// Filled in below by the calendar schedules.
