const pick = (n) => {
  let card = null;
  element.querySelectorAll('.rq-card').forEach((c) => {
    const on = c.dataset.n === String(n);
    c.classList.toggle('rq-active', on);
    if (on) card = c;
  });
  if (card) card.scrollIntoView({block: 'nearest'});
};
const toQuote = (details) => {
  const box = details.querySelector('.rq-fulltext');
  const mark = box && box.querySelector('mark');
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
};
element.addEventListener('click', (e) => {
  const b = e.target.closest && e.target.closest('.rq-cite');
  if (b && element.contains(b)) { e.preventDefault(); pick(b.value.split(':')[1]); }
});
element.addEventListener('toggle', (e) => {
  const d = e.target;
  if (d.classList && d.classList.contains('rq-full') && d.open) toQuote(d);
}, true);
if (typeof watch === 'function') watch('value', () => {
  const v = element.querySelector('.rq-verify');
  if (v && v.dataset.selected) pick(v.dataset.selected);
});
