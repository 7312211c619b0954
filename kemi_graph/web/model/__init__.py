"""What the pages show, gathered from the store by SPARQL into plain dataclasses, one module
per kind of page. No Flask here (and no request): every function takes a store and IRIs, binds
them into its queries through pyoxigraph substitutions, and returns dataclasses that templates
render and tests inspect. Labels are resolved here, so a page never shows a bare IRI where the
store knows a label; named graphs are classified here, so a page can say which value is the
city's statement, which the project's interpretation and which an OWL-RL inference.
"""
