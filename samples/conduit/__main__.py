"""`python -m samples.conduit`: serve the sample RealWorld Conduit API in the foreground."""

from samples.conduit.app import main

main()
