package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.ControlStatus;

/**
 * A control's status replaced by a newer one: the new status, and what the score must take away
 * ({@code previous}, null for a control's first status) and add ({@code current}).
 */
record StatusChange(ControlStatus status, ScoreTotals.Contribution previous, ScoreTotals.Contribution current) { }
