import { useCallback, useMemo, useState } from 'react';

import { selectedIndices, selectionOf } from '../clusters';
import type { EmbeddingsModel } from '../frame';
import type { ShowSet } from '../types';

/** Which points a set shows: 1 for each point of the reference, the current records or both. */
export function visibleMask(isCurrent: ArrayLike<number>, showSet: ShowSet): Uint8Array {
  const mask = new Uint8Array(isCurrent.length);
  for (let i = 0; i < isCurrent.length; i++) {
    const cur = isCurrent[i] === 1;
    mask[i] = showSet === 'both' || (showSet === 'current') === cur ? 1 : 0;
  }
  return mask;
}

/**
 * The points shown: the toolbar's set toggle starts from the panel option and follows it when the option
 * changes.
 */
export function useShownSet(model: EmbeddingsModel, option: ShowSet) {
  const [shown, setShown] = useState<{ option: ShowSet; value: ShowSet }>({ option, value: option });
  const showSet = shown.option === option ? shown.value : option;
  const onShowSet = useCallback((value: ShowSet) => setShown({ option, value }), [option]);
  const visible = useMemo(() => visibleMask(model.isCurrent, showSet), [model, showSet]);
  return { showSet, onShowSet, visible };
}

/** The selected points, as a mask that belongs to the model it was made on: a new model starts with none. */
export function useSelection(model: EmbeddingsModel) {
  const [state, setState] = useState<{ model: EmbeddingsModel; mask: Uint8Array }>(() => ({
    model,
    mask: new Uint8Array(model.n),
  }));
  const selection = useMemo(() => (state.model === model ? state.mask : new Uint8Array(model.n)), [state, model]);
  const setSelection = useCallback((mask: Uint8Array) => setState({ model, mask }), [model]);
  const selectedCount = useMemo(() => selection.reduce((s, v) => s + v, 0), [selection]);
  const selectedIds = useCallback(() => selectedIndices(selection).map((i) => model.ids[i]), [selection, model]);
  const selectCluster = useCallback(
    (members: number[]) => setSelection(selectionOf(model.n, members)),
    [model.n, setSelection]
  );
  const clearSelection = useCallback(() => setSelection(new Uint8Array(model.n)), [model.n, setSelection]);
  return { selection, setSelection, selectedCount, selectedIds, selectCluster, clearSelection };
}
