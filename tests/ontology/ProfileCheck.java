// OWL 2 DL profile check with the OWL API that HermiT.jar (shipped by owlready2) bundles.
// Run in Java's single-file source mode:  java -cp HermiT.jar ProfileCheck.java FILE
// Prints one line per violation and exits 1 when there is any, 0 when the document is OWL 2 DL.
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("VIOLATION " + violation);
        }
        System.out.println("axioms " + ontology.getAxiomCount());
        System.exit(report.isInProfile() ? 0 : 1);
    }
}
