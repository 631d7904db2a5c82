package io.fusedrnn.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a config says about itself: an LSTM does not claim the GRU's reset variant. */
class RnnConfigTest {
    @Test
    void anLstmConfigDoesNotPrintTheGruVariant() {
        RnnConfig lstm = RnnConfig.lstm(5, 8, 3, 2, true);
        assertEquals("RnnConfig[cell=lstm, inputSize=5, hiddenSize=8, projSize=3, numLayers=2, bidirectional=true, bias=true]",
                lstm.toString().replace("LSTM", "lstm"));
        assertFalse(lstm.describe().contains("reset"), lstm.describe());
        assertEquals(lstm, new RnnConfig(lstm.cell(), 5, 8, 3, 2, true, false, true), "the flag still does not matter for equality");
    }

    @Test
    void aGruConfigPrintsItsVariant() {
        assertTrue(RnnConfig.gru(4, 6, 1, false, false).toString().contains(", linearBeforeReset=false,"));
        assertTrue(RnnConfig.gru(4, 6, 1, false, true).toString().contains(", linearBeforeReset=true,"));
    }
}
