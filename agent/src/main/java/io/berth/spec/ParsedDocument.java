package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.DesiredState;
import java.util.List;

/** The outcome of reading a desired document: valid with its state, or every error found. */
public sealed interface ParsedDocument {

    /** @param document the document as received, for revision comparisons and the state dir */
    record Valid(DesiredState state, JsonNode document) implements ParsedDocument {
        /** The raw document may hold registry passwords: print only the parsed state, whose secrets print as ***. */
        @Override
        public String toString() {
            return "Valid[" + state + "]";
        }
    }

    /** @param revision the document's revision where one could be read, else null */
    record Invalid(Long revision, List<SpecError> errors) implements ParsedDocument {
        public Invalid {
            errors = List.copyOf(errors);
        }

        public String summary() {
            return errors.size() == 1 ? errors.get(0).toString() : errors.size() + " errors, first: " + errors.get(0);
        }
    }
}
