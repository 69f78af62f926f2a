/*
 * Two files that call each other through this one header: neither
 * includes the other, so include_cycles.py passes them; call_cycles.py,
 * reading their symbols, must refuse them (structure.call_cycles_refuses).
 */
#ifndef CALL_CYCLE_AB_H
#define CALL_CYCLE_AB_H

int call_cycle_a(int);
int call_cycle_b(int);

#endif
