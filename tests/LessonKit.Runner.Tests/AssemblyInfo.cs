// Running a notebook redirects the process-wide console, working directory and environment: tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
