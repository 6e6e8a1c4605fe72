# A harmless write for trying the gate: a comment on Óscar Ortiz in a graph of its own.
# Undo it with: DROP GRAPH <https://w3id.org/tregua/graph/notes>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA {
  GRAPH <https://w3id.org/tregua/graph/notes> {
    <https://w3id.org/tregua/id/person/oscar-ortiz> rdfs:comment "Checked against the article."@en .
  }
}
