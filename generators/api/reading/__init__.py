"""Reading plain-language API requirements: a pipeline of small pure stages, none touching the network.

split (claims) → tokens and lexicon (words grounded in the spec, built at run time) → frames (calls, scene,
outcome, read through a ClaimView) → emit (scenarios of the shared IR in `vocabulary.claims`).
`generators.api.requirements.plan_requirement` chains them.
"""
