package io.logpipe.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VariablesTest {
    private static final Map<String, String> ENV = Map.of("ES", "http://es:9200", "EMPTY", "");

    @Test
    void aSetVariableWinsOverItsDefault() throws Exception {
        assertEquals("http://es:9200/x", Variables.expand("${ES:http://127.0.0.1:9200}/x", ENV::get));
        assertEquals("", Variables.expand("${EMPTY:fallback}", ENV::get), "set but empty is still set");
    }

    @Test
    void anUnsetVariableTakesItsDefaultAndTextWithoutVariablesStaysAsItIs() throws Exception {
        assertEquals("127.0.0.1:9092", Variables.expand("${KAFKA:127.0.0.1:9092}", ENV::get));
        assertEquals("a$b {c} $${", Variables.expand("a$b {c} $${", ENV::get));
        assertEquals("$1 \\", Variables.expand("${X:$1 \\}", ENV::get), "a default is taken literally");
    }

    @Test
    void anUnsetVariableWithoutDefaultIsNamed() {
        Variables.Unset e = assertThrows(Variables.Unset.class, () -> Variables.expand("x ${NOPE} y", ENV::get));
        assertEquals("NOPE", e.name());
        assertEquals("${NOPE} is not set in the environment and has no default (${NOPE:default})", e.getMessage());
    }
}
