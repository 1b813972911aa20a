//! The dependency graph of variables: cycle detection and a topological order.
//!
//! An edge `v → w` means v's formula reads w, at any year offset: a formula that reads itself
//! last year (`x = x@last_year + …`) is a cycle too, so every evaluation needs a bounded set of
//! instances and vectorises without recursion.

/// Returns the variables dependencies-first, or one cycle (as a list of indices, the first
/// repeated at the end) if there is one.
pub(crate) fn topological(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = deps.len();
    let mut mark = vec![Mark::New; n];
    let mut order = Vec::with_capacity(n);
    // Iterative DFS: (node, next edge index)
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::Active;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if let Some(&w) = deps[v].get(*i) {
                *i += 1;
                match mark[w] {
                    Mark::New => {
                        mark[w] = Mark::Active;
                        stack.push((w, 0));
                    }
                    Mark::Active => {
                        let start = stack.iter().position(|(x, _)| *x == w).unwrap_or(0);
                        let mut cycle: Vec<usize> =
                            stack[start..].iter().map(|(x, _)| *x).collect();
                        cycle.push(w);
                        return Err(cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                mark[v] = Mark::Done;
                order.push(v);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_and_finds_cycles() {
        let order = topological(&[vec![1, 2], vec![2], vec![]]).unwrap();
        assert_eq!(order, vec![2, 1, 0]);
        let cycle = topological(&[vec![1], vec![2], vec![0]]).unwrap_err();
        assert_eq!(cycle, vec![0, 1, 2, 0]);
        let self_loop = topological(&[vec![], vec![1]]).unwrap_err();
        assert_eq!(self_loop, vec![1, 1]);
    }
}
