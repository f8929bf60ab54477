"""Regional reports: query the marts, render one Dutch report per region, deliver it."""
