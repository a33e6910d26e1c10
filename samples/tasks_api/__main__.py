"""`python -m samples.tasks_api`: serve the sample Task Tracker API in the foreground."""

from samples.tasks_api.app import main

main()
