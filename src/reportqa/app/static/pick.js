// A [n] clicked in the chat selects that answer's citation: the hidden picker's value becomes
// "turn:n:time" and its change event re-renders the verify panel on the server.
window.__rqPick = (turn, n) => { props.value = turn + ':' + n + ':' + Date.now(); trigger('change'); };
if (!window.__rqPickBound) {
  window.__rqPickBound = true;
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('#rq-chat .rq-cite');
    if (!b) return;
    e.preventDefault();
    const [turn, n] = b.value.split(':');
    window.__rqPick(turn, n);
  }, true);
}
