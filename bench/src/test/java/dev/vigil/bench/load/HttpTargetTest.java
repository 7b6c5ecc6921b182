package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vigil.bench.load.LoadTarget.Answer;
import dev.vigil.bench.load.LoadTarget.Outcome;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How HTTP answers are counted: a 200 verdict, a fail-closed one, an error by status and code; and the score URL. */
class HttpTargetTest {
    static Answer answer(int status, String body) {
        return HttpTarget.answer(status, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a200VerdictIsAVerdictOrAFailClosedOne() {
        assertEquals(Answer.VERDICT, answer(200, "{\"decision\":\"ALLOW\",\"failed_closed\":false}"));
        assertEquals(Answer.FAILED_CLOSED, answer(200, "{\"decision\":\"BLOCK\",\"failed_closed\":true}"));
    }

    @Test
    void otherStatusesAreErrorsNamedByStatusAndCode() {
        Answer a = answer(503, "{\"error\":{\"code\":\"OVERLOADED\",\"message\":\"256 requests in flight\"}}");
        assertEquals(Outcome.ERROR, a.outcome());
        assertEquals("HTTP 503 OVERLOADED", a.error());
        assertEquals("256 requests in flight", a.detail());
        assertEquals(Answer.error("HTTP 502", "Bad Gateway"), answer(502, "Bad Gateway"));
        assertEquals(Answer.error("HTTP 200", "not a verdict: ok"), answer(200, "ok"));
    }

    @Test
    void theScoreUrlIsAddedToABareAddress() {
        assertEquals("http://127.0.0.1:7462/v1/score", HttpTarget.scoreUri("http://127.0.0.1:7462").toString());
        assertEquals("http://127.0.0.1:7462/v1/score", HttpTarget.scoreUri("http://127.0.0.1:7462/").toString());
        assertEquals("http://127.0.0.1:7462/v1/score?policy=x", HttpTarget.scoreUri("http://127.0.0.1:7462/v1/score?policy=x").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HttpTarget.scoreUri("https://127.0.0.1:7462"));
        assertEquals("target: https://127.0.0.1:7462 (expected: an http URL, e.g. http://127.0.0.1:7462)", e.getMessage());
    }
}
